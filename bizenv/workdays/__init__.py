"""Working days: the calendar every deadline and duration of the platform counts on (decision 0007)."""
