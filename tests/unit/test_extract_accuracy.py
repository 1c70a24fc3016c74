"""Extraction against the labelled pages (tests/fixtures/pages/labels.json): every field
must agree on at least FLOOR of the pages labelled with it."""

import json
from datetime import date
from pathlib import Path

from crawler.extract.labels import agreement, extract_labels, mismatches
from crawler.extract.page import parse_page

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
FLOOR = 0.95


def test_labelled_pages_meet_the_floor() -> None:
    labels = json.loads((PAGES / "labels.json").read_text(encoding="utf-8"))
    today = date.fromisoformat(labels["today"])
    found = {}
    for name, label in labels["pages"].items():
        html = (PAGES / name).read_bytes().decode(label["encoding"])
        page = parse_page(html, label["url"])
        found[name] = extract_labels(
            page, label["kind"], today, labels["blank_phrases"], labels["spam_words"]
        )
    scores = agreement(labels["pages"], found)
    low = {
        field: f"{right}/{total}"
        for field, (right, total) in scores.items()
        if right < FLOOR * total
    }
    assert not low, (low, mismatches(labels["pages"], found))
    for field in ("latest", "dated_items", "blank", "zhaocuo", "exposure", "page_date"):
        assert field in scores
