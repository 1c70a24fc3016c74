"""The HTTP side of the service: API, metrics, status page, report downloads."""
