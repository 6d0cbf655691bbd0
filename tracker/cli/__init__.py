"""The ``tracker`` commands beside Flask's own, each group in the module named for it."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    from tracker.cli import backup, checklists, imports, partner, plans, playbook, reminders, users

    playbook.plan_group.add_command(plans.refresh_command)
    for group in (
        playbook.plan_group,
        playbook.peaks_command,
        playbook.advise_command,
        users.user_group,
        users.token_group,
        reminders.channel_group,
        reminders.reminders_group,
        reminders.scheduler_command,
        backup.backup_command,
        checklists.checklist_group,
        imports.import_command,
        partner.partner_group,
    ):
        app.cli.add_command(group)
