"""Customer reports: submitted by support tools and the public form, matched to incidents."""
