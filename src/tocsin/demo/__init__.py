"""``tocsin demo``: a populated first look (a realistic year of incidents)."""
