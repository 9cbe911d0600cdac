"""Root conftest: the plugin is loaded through its pytest11 entry point; nothing to add here yet."""
