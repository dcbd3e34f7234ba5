"""`flask mail send`: send what the outbox holds (run it from cron every minute)."""

import click
from flask.cli import AppGroup

from app.mail import outbox

mail_cli = AppGroup("mail", help="Send the outbox, daily summaries, the overview.")


@mail_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="At most this many mails.")
def send_command(limit):
    """Send the mails that are due; a failed one waits (backoff) and is tried again later."""
    sent = failed = 0
    while sent + failed < limit:
        batch_sent, batch_failed = outbox.send_due(min(outbox.BATCH, limit - sent - failed))
        sent, failed = sent + batch_sent, failed + batch_failed
        if batch_sent + batch_failed == 0 or batch_failed:  # empty, or the server has trouble
            break
    pruned = outbox.prune_sent()
    click.echo(f"Sent {sent}, failed {failed}, removed {pruned} old sent mails.")


@mail_cli.command("daily")
def daily_command():
    """Once a day (cron, e.g. 7.00): the owners of action items that fall due today, each
    user's daily summary of the notifications they chose to get that way, and the
    coordinators' morning overview; then send them."""
    from app.clock import local_today
    from app.mail import daily, digest

    due = daily.action_items_due(local_today())
    summaries = daily.send_held()
    queued = digest.queue_daily(local_today())
    sent, failed = outbox.send_due()
    click.echo(
        f"Action items due today: {due}. "
        f"Daily summaries for {summaries} users. Overview for {queued} coordinators; "
        f"sent {sent}, failed {failed}."
    )


@mail_cli.command("weekly")
def weekly_command():
    """The coordinators' weekly overview (cron: Mondays, e.g. 7.00)."""
    from app.clock import local_today
    from app.mail import digest

    queued = digest.queue_weekly(local_today())
    sent, failed = outbox.send_due()
    click.echo(f"Weekly overview for {queued} coordinators; sent {sent}, failed {failed}.")


def init_app(app):
    app.cli.add_command(mail_cli)
