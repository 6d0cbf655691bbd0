"""The team's own checklists: company procedures that become tasks in every matching store."""
