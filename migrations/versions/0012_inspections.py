"""inspections: enterprises, their annual inspections (obligations and due dates), joint
inspection visits, per-department results and centralized inspection periods

Revision ID: 0012_inspections
Revises: 0011_gaps
Create Date: 2026-11-28 12:50:00
"""
import sqlalchemy as sa
from alembic import op

import service_center.db

# revision identifiers, used by Alembic.
revision = '0012_inspections'
down_revision = '0011_gaps'
branch_labels = None
depends_on = None

UTC = service_center.db.UTCDateTime(timezone=True)


def _fk(table, column, target, ondelete=None):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'],
                                   name=op.f(f'fk_{table}_{column}_{target}'), ondelete=ondelete)


def upgrade():
    op.create_table(
        'enterprise',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('credit_code', sa.String(length=18), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('contact_name', sa.String(length=80), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        _fk('enterprise', 'created_by_id', 'user', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise')),
        sa.UniqueConstraint('credit_code', name=op.f('uq_enterprise_credit_code')),
    )
    op.create_table(
        'inspection_period',
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('daily_capacity', sa.Integer(), nullable=False),
        sa.Column('department_codes', sa.JSON(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        _fk('inspection_period', 'created_by_id', 'user', 'SET NULL'),
        _fk('inspection_period', 'hall_id', 'hall'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_period')),
    )
    op.create_table(
        'inspection_obligation',
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('last_result', sa.String(length=16), nullable=True),
        sa.Column('last_result_on', sa.Date(), nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        _fk('inspection_obligation', 'department_id', 'department'),
        _fk('inspection_obligation', 'enterprise_id', 'enterprise', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_obligation')),
        sa.UniqueConstraint('enterprise_id', 'department_id',
                            name=op.f('uq_inspection_obligation_enterprise_id_department_id')),
    )
    with op.batch_alter_table('inspection_obligation', schema=None) as batch_op:
        batch_op.create_index('ix_inspection_obligation_due', ['active', 'due_date'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_obligation_enterprise_id'),
                              ['enterprise_id'], unique=False)
    op.create_table(
        'inspection_visit',
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('visit_date', sa.Date(), nullable=False),
        sa.Column('booked_at', UTC, nullable=False),
        sa.Column('booked_by_id', sa.Integer(), nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        _fk('inspection_visit', 'booked_by_id', 'user', 'SET NULL'),
        _fk('inspection_visit', 'case_id', 'case'),
        _fk('inspection_visit', 'enterprise_id', 'enterprise', 'CASCADE'),
        _fk('inspection_visit', 'period_id', 'inspection_period', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_visit')),
        sa.UniqueConstraint('case_id', name=op.f('uq_inspection_visit_case_id')),
    )
    with op.batch_alter_table('inspection_visit', schema=None) as batch_op:
        batch_op.create_index('ix_inspection_visit_day', ['period_id', 'visit_date'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_visit_enterprise_id'),
                              ['enterprise_id'], unique=False)
    op.create_table(
        'inspection_result',
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('obligation_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('passed_at', UTC, nullable=True),
        sa.Column('failed_at', UTC, nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        _fk('inspection_result', 'department_id', 'department'),
        _fk('inspection_result', 'obligation_id', 'inspection_obligation', 'CASCADE'),
        _fk('inspection_result', 'recorded_by_id', 'user', 'SET NULL'),
        _fk('inspection_result', 'task_id', 'case_task'),
        _fk('inspection_result', 'visit_id', 'inspection_visit', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_result')),
        sa.UniqueConstraint('task_id', name=op.f('uq_inspection_result_task_id')),
        sa.UniqueConstraint('visit_id', 'department_id',
                            name=op.f('uq_inspection_result_visit_id_department_id')),
    )
    with op.batch_alter_table('inspection_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_result_obligation_id'),
                              ['obligation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_result_visit_id'), ['visit_id'],
                              unique=False)


def downgrade():
    op.drop_table('inspection_result')
    op.drop_table('inspection_visit')
    op.drop_table('inspection_obligation')
    op.drop_table('inspection_period')
    op.drop_table('enterprise')
