"""Portico's background worker: queued tasks and scheduled publishing.

`manage.py portico_worker` is the one process that runs beside the web server
in production and in `make demo`.
"""
