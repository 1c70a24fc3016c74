"""`python -m crawler.farm serve …`: the farm's commands without the govcrawl CLI."""

from crawler.farm.cli import farm

if __name__ == "__main__":
    farm(prog_name="python -m crawler.farm")
