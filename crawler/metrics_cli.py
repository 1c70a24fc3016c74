"""`govcrawl metrics …`: what Prometheus needs from govcrawl."""

from __future__ import annotations

import click

from crawler.alert_rules import RuleParams, rules_yaml
from crawler.config import parse_duration


def _duration(_ctx: click.Context, _param: click.Parameter, value: str):  # type: ignore[no-untyped-def]
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.group()
def metrics() -> None:
    """Prometheus alert rules and metrics helpers."""


@metrics.command("rules")
@click.option(
    "--down-after",
    default="24h",
    show_default=True,
    callback=_duration,
    help="Outage length that alerts (alerts.report_after).",
)
def metrics_rules(down_after) -> None:  # type: ignore[no-untyped-def]
    """Print the Prometheus alert rules (deploy/prometheus/govcrawl-rules.yml)."""
    click.echo(rules_yaml(RuleParams(down_after=down_after)), nl=False)


@metrics.command("dashboard")
def metrics_dashboard() -> None:
    """Print the Grafana duty dashboard (deploy/grafana/dashboards/govcrawl-duty.json)."""
    from crawler.grafana_dashboard import dashboard_json

    click.echo(dashboard_json(), nl=False)
