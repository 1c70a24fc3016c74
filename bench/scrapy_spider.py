"""The link-check crawl of bench/linkcheck_bench.py written as a Scrapy spider.

Runs in the benchmark's own environment (Scrapy is not a govcrawl dependency):

    python bench/scrapy_spider.py START_URLS_FILE OUT_JSON [--max-depth 2]
        [--max-pages 300] [--per-host 4] [--total 100]

Same bounds as crawler.crawl.crawl_site: pages of the start URL's host and port to
max_depth, at most max_pages parsed per site; every distinct link on a parsed page (a,
area, iframe, frame, img; attachments included) requested once (Scrapy's duplicate
filter plays the shared link cache). Broken: 4xx other than 401/403/429, 5xx, or a
download error. No soft-404 test, no HEAD, no retry policy beyond Scrapy's own retry.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Request, Response
from scrapy.linkextractors import LinkExtractor

RESTRICTED = {401, 403, 429}
_NOT_PAGE_EXTENSIONS = (
    "doc docx xls xlsx ppt pptx pdf zip rar 7z wps et dps ofd ceb txt csv"
    " jpg jpeg png gif bmp webp svg ico mp4 mp3 flv swf css js"
)
NOT_PAGES = tuple(f".{ext}" for ext in _NOT_PAGE_EXTENSIONS.split())


def origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.hostname}:{port}"


class LinkSpider(scrapy.Spider):
    name = "linkcheck-bench"

    def __init__(self, urls: list[str], max_depth: int, max_pages: int, **kw: object) -> None:
        super().__init__(**kw)
        self.urls = urls
        self.max_depth = max_depth
        self.max_pages = max_pages
        self.pages: Counter[str] = Counter()  # pages scheduled per site
        self.parsed = 0
        self.checked = 0
        self.broken = 0
        self.extract = LinkExtractor(
            tags=("a", "area", "iframe", "frame", "img"),
            attrs=("href", "src"),
            deny_extensions=[],
            unique=True,
        )

    async def start(self):
        for url in self.urls:
            self.pages[origin(url)] += 1
            yield Request(
                url, callback=self.page, errback=self.failed, meta={"site": origin(url), "d": 0}
            )

    def _count(self, status: int | None) -> None:
        self.checked += 1
        if status is None or (status >= 400 and status not in RESTRICTED):
            self.broken += 1

    def failed(self, failure) -> None:  # DNS, refused, timeout, …
        self._count(None)

    def checked_only(self, response: Response) -> None:
        self._count(response.status)

    def page(self, response: Response):
        self._count(response.status)
        site, depth = response.meta["site"], response.meta["d"]
        if response.status >= 400 or not hasattr(response, "text"):
            return
        if origin(response.url) != site:
            return
        self.parsed += 1
        for link in self.extract.extract_links(response):
            url = link.url
            if not url.startswith(("http://", "https://")):
                continue
            crawl = (
                depth + 1 <= self.max_depth
                and origin(url) == site
                and not urlsplit(url).path.lower().endswith(NOT_PAGES)
                and self.pages[site] < self.max_pages
            )
            if crawl:
                self.pages[site] += 1
            yield Request(
                url,
                callback=self.page if crawl else self.checked_only,
                errback=self.failed,
                meta={"site": site, "d": depth + 1},
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls_file")
    parser.add_argument("out")
    parser.add_argument("--max-depth", type=int, default=2)
    parser.add_argument("--max-pages", type=int, default=300)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--total", type=int, default=100)
    args = parser.parse_args()
    with open(args.urls_file, encoding="utf-8") as handle:
        urls = [line.strip() for line in handle if line.strip()]
    process = CrawlerProcess(
        settings={
            "LOG_LEVEL": "CRITICAL",
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
            "CONCURRENT_REQUESTS": args.total,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.per_host,
            "DOWNLOAD_DELAY": 0,
            "DOWNLOAD_TIMEOUT": 15,
            "RETRY_TIMES": 1,
            "HTTPERROR_ALLOW_ALL": True,
            "COOKIES_ENABLED": False,
            "DEPTH_LIMIT": args.max_depth + 1,
            "DEPTH_PRIORITY": 1,  # breadth-first, as crawl_site
            "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
            "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        }
    )
    crawler = process.create_crawler(LinkSpider)
    process.crawl(crawler, urls=urls, max_depth=args.max_depth, max_pages=args.max_pages)
    process.start()
    spider = crawler.spider
    result = {"pages": spider.parsed, "links": spider.checked, "broken": spider.broken}
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    print(json.dumps(result), file=sys.stderr)


if __name__ == "__main__":
    main()
