"""One module per delivery channel; each implements ``base.Channel``."""
