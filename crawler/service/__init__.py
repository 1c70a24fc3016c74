"""The long-running service: scheduler, job queue (in-process or arq), recorder, HTTP."""
