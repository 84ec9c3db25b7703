"""idempotency: the Idempotency-Key records of the API (R4)

Revision ID: 0014_idempotency
Revises: 0011_gaps
Create Date: 2026-11-28 12:50:00

One new table: a claimed (user, key) with the request's fingerprint and its stored answer.
"""
import sqlalchemy as sa
from alembic import op

import service_center.db

# revision identifiers, used by Alembic.
revision = '0014_idempotency'
down_revision = '0011_gaps'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotent_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('response_type', sa.String(length=100), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=True),
        sa.Column('created_at', service_center.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('completed_at', service_center.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_idempotent_request_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_request')),
        sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotent_request_user_id_key')),
    )
    op.create_index('ix_idempotent_request_created_at', 'idempotent_request', ['created_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_idempotent_request_created_at', table_name='idempotent_request')
    op.drop_table('idempotent_request')
