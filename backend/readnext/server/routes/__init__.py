"""The API's views, one blueprint per concern, all under PREFIX (docs/api.md). A view parses the request, calls
the engine or a service, and formats the answer; the rules are below it (validation.py, the engine, ingest/)."""
PREFIX = "/api/v1"
