"""Pure domain rules: no I/O, no frameworks, no wall clock.

Time always comes in as an argument, so every rule here can be tested with tables and
Hypothesis without a database.
"""
