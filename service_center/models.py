"""Imports every table so that metadata (and Alembic) sees the whole schema."""

from .audit import AuditEvent  # noqa: F401
from .auth.models import ApiToken, User  # noqa: F401
from .catalog.models import (  # noqa: F401
    CalendarOverride,
    CalendarYear,
    Center,
    Department,
    FeeItem,
    Hall,
    Material,
    QueueCategory,
    ServiceItem,
    ServiceItemFee,
    Window,
    WindowCategory,
    WorkflowStage,
    WorkflowTask,
)
from .queueing.models import Ticket, TicketCounter  # noqa: F401
