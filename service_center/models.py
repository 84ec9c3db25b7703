"""Imports every table so that metadata (and Alembic) sees the whole schema."""

from .appointments.models import Appointment, AppointmentSlot  # noqa: F401
from .approvals.models import (  # noqa: F401
    Case,
    CaseCounter,
    CaseStage,
    CaseTask,
    Handover,
    Suspension,
)
from .audit import AuditChain, AuditEvent  # noqa: F401
from .auth.models import ApiToken, LoginAttempt, User  # noqa: F401
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
from .door_service.models import DoorRequest  # noqa: F401
from .fees.models import (  # noqa: F401
    FeeAdjustment,
    FeeAllocation,
    FeeAssessment,
    FeeDueRule,
    FeeLine,
    FeePayment,
)
from .guide.models import (  # noqa: F401
    Guide,
    GuideChange,
    GuideFile,
    GuideMaterial,
    GuideTopic,
    GuideTopicItem,
)
from .idempotency import IdempotentRequest  # noqa: F401
from .inspections.models import (  # noqa: F401
    Enterprise,
    InspectionObligation,
    InspectionPeriod,
    InspectionResult,
    InspectionVisit,
)
from .live.models import HallNotice  # noqa: F401
from .notifications.models import Notification, NotificationAttempt  # noqa: F401
from .queueing.models import Ticket, TicketCounter  # noqa: F401
from .reports.models import (  # noqa: F401
    CaseDaySummary,
    Complaint,
    PublishedAssessment,
    Rating,
    Rectification,
    StaffDaySummary,
    SummarizedDay,
    TaskDaySummary,
    TicketDaySummary,
    WaitDayHistogram,
)
