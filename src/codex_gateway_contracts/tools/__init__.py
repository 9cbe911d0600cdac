"""Commands beside the plugin; they use the core, the core never imports them.

``record`` (cassettes), ``probe`` and ``scaffold`` (providers), ``faults`` (the mutation harness) and
``bisect`` (releases).
"""
