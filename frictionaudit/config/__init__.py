"""Journey and project configuration: the YAML contract users write, its models and its loader."""
