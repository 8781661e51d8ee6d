from celery import shared_task

from funnel import rollup


@shared_task
def fold_stage_totals() -> int:
    """Fold the pending changes to the stage totals into them (funnel.rollup); safe to run
    twice or at the same time as another fold."""
    return rollup.fold()
