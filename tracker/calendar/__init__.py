"""iCalendar feeds of a person's or a store's tasks and peaks, behind a secret address."""
