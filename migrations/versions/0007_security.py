"""security: sign-in throttling and lockout, TOTP, session generation, password age,
and the audit trail's hash chain (existing audit rows are chained in id order)

Revision ID: 0007_security
Revises: 0001
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

import service_center.db

revision = "0007_security"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade():
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("pruned_seq", sa.BigInteger(), nullable=False),
        sa.Column("pruned_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    op.create_table(
        "login_attempt",
        sa.Column("at", service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_login_attempt_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempt_ip_at", ["ip", "at"], unique=False)
        batch_op.create_index("ix_login_attempt_username_at", ["username", "at"], unique=False)

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_seq"), ["seq"])

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("locked_until",
                                      service_center.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("password_changed_at",
                                      service_center.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recovery_codes", sa.JSON(), nullable=True))

    _chain_existing_rows()


def _chain_existing_rows():
    """Hash the audit rows written before the chain existed, in id order, exactly as
    service_center.audit does for new rows, and set the chain head after them."""
    from service_center.audit import compute_hash, row_fields

    bind = op.get_bind()
    audit = sa.table(
        "audit_event", sa.column("id", sa.Integer()),
        sa.column("at", service_center.db.UTCDateTime(timezone=True)),
        *(sa.column(name, sa.String()) for name in (
            "actor_name", "action", "entity_type", "entity_id", "from_state", "to_state",
            "result", "ip", "prev_hash", "hash")),
        sa.column("actor_id", sa.Integer()), sa.column("details", sa.JSON()),
        sa.column("seq", sa.BigInteger()))
    chain = sa.table("audit_chain", sa.column("id", sa.Integer()),
                     sa.column("last_seq", sa.BigInteger()), sa.column("last_hash", sa.String()),
                     sa.column("pruned_seq", sa.BigInteger()),
                     sa.column("pruned_hash", sa.String()))
    seq, prev = 0, GENESIS
    rows = bind.execute(sa.select(audit).order_by(audit.c.id)).all()
    for row in rows:
        seq += 1
        fields = row._asdict()
        fields["seq"] = seq
        digest = compute_hash(prev, row_fields(type("Row", (), fields)))
        bind.execute(sa.update(audit).where(audit.c.id == row.id)
                     .values(seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    bind.execute(sa.insert(chain).values(id=1, last_seq=seq, last_hash=prev, pruned_seq=0,
                                         pruned_hash=GENESIS))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("recovery_codes")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("session_generation")

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")

    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempt_username_at")
        batch_op.drop_index("ix_login_attempt_ip_at")
    op.drop_table("login_attempt")
    op.drop_table("audit_chain")
