"""Alerts: message payloads, hook senders and the durable outbox that delivers them."""
