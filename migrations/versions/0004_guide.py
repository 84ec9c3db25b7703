"""guide: topics, guide texts, material details, uploaded files and change history
(issue 9). Only the guide's own tables; the catalog's are untouched.

Revision ID: 0004_guide
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import service_center.db

revision = "0004_guide"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guide_topic',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_topic')),
    sa.UniqueConstraint('code', name=op.f('uq_guide_topic_code'))
    )

    op.create_table('guide',
    sa.Column('service_item_id', sa.Integer(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('published_at', service_center.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_item_id'], ['service_item.id'], name=op.f('fk_guide_service_item_id_service_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide')),
    sa.UniqueConstraint('service_item_id', name=op.f('uq_guide_service_item_id'))
    )

    op.create_table('guide_material',
    sa.Column('service_item_id', sa.Integer(), nullable=False),
    sa.Column('material_name', sa.String(length=200), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_item_id'], ['service_item.id'], name=op.f('fk_guide_material_service_item_id_service_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_material')),
    sa.UniqueConstraint('service_item_id', 'material_name', name=op.f('uq_guide_material_service_item_id_material_name'))
    )

    with op.batch_alter_table('guide_material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_material_service_item_id'), ['service_item_id'], unique=False)

    op.create_table('guide_topic_item',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('service_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_item_id'], ['service_item.id'], name=op.f('fk_guide_topic_item_service_item_id_service_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['guide_topic.id'], name=op.f('fk_guide_topic_item_topic_id_guide_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', 'service_item_id', name=op.f('pk_guide_topic_item'))
    )

    with op.batch_alter_table('guide_topic_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_topic_item_service_item_id'), ['service_item_id'], unique=False)

    op.create_table('guide_change',
    sa.Column('service_item_id', sa.Integer(), nullable=False),
    sa.Column('at', service_center.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_guide_change_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_item_id'], ['service_item.id'], name=op.f('fk_guide_change_service_item_id_service_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_change'))
    )

    with op.batch_alter_table('guide_change', schema=None) as batch_op:
        batch_op.create_index('ix_guide_change_item_at', ['service_item_id', 'at'], unique=False)

    op.create_table('guide_file',
    sa.Column('service_item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', service_center.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_item_id'], ['service_item.id'], name=op.f('fk_guide_file_service_item_id_service_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_guide_file_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_file')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_guide_file_stored_name'))
    )

    with op.batch_alter_table('guide_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_file_service_item_id'), ['service_item_id'], unique=False)


def downgrade():
    for table, index in (("guide_file", "ix_guide_file_service_item_id"),
                         ("guide_change", "ix_guide_change_item_at"),
                         ("guide_topic_item", "ix_guide_topic_item_service_item_id"),
                         ("guide_material", "ix_guide_material_service_item_id")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
        op.drop_table(table)
    op.drop_table("guide")
    op.drop_table("guide_topic")
