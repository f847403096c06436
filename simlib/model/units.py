"""Units of the clock, defined once: the model runs in days and a year is 365 days (MODEL.md)."""

YEAR = 365.0
DAYS_PER_YEAR = 365  # whole days, for calendar tables
DAYS_PER_MONTH = YEAR / 12.0
WEEK = 7.0
