"""The local site farm: ~1,900 simulated Yunnan government sites served from one process.

Each site listens on its own loopback address (127.1.0.1 upwards) on one common port and
serves deterministic pages with known problems; its ground truth says what a correct
inspector finds there. Used by the tests, the benchmarks and `govcrawl demo`.

    async with SiteFarm(40, port=0, control=None) as farm:
        farm.url_of(code), farm.truth[code], await farm.set_mode(code, "refuse")
"""

from crawler.farm.catalog import CONDITIONS, FarmSite, build_catalog
from crawler.farm.server import MODES, SiteFarm, shanghai_today
from crawler.farm.truth import ground_truth

__all__ = [
    "CONDITIONS",
    "MODES",
    "FarmSite",
    "SiteFarm",
    "build_catalog",
    "ground_truth",
    "shanghai_today",
]
