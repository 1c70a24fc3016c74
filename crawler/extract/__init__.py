"""Pure extraction over page text: dates, list items, columns, entries, identity, spam.

Every function takes a parsed `Page` (crawler.extract.page.parse_page) or a string and
returns values; nothing here fetches, reads files or keeps state. Each module is an
ordered pipeline of small named heuristics (metadata first, then markup, then text)
followed by a plausibility filter: the order is the policy.
"""
