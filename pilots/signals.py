"""Domain events of pilots. ``workflows`` listens to move the plan's process along; pilots never
imports workflows (dependencies point one way)."""

from django.dispatch import Signal

# Sent inside the transaction that changed the plan: sender=PilotPlan, plan=, old=, new=, actor=.
plan_status_changed = Signal()
