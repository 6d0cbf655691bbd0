"""The activity log of stores and their tasks: who did what, when, in the reader's language."""
