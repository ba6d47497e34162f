"""Configuration as code: declare on-call and alerting objects in one YAML file.

``document`` is the file's shape (and its JSON Schema), ``yamlfile`` reads a file with the line
and column of every value, ``state`` reads the current configuration in the same shape (what
``tocsin export`` writes), ``tocsin.core.config_plan`` diffs the two, ``apply`` carries a plan
out through each feature's own use cases, and ``tables`` holds the key → id mapping and the
record of applies. See docs/config-as-code.md.
"""
