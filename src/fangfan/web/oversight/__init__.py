"""一个不剩: the oversight board over rectification, grievances and campaigns (reads only)."""
