"""The demo city: a fictional city rich enough to use and to test with."""
