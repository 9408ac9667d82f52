"""The runtime: settings, pipeline, store, queue, CLI. Only entry points import this."""
