"""The export ledger: batches and one line per exported (or reversed) object.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_batch",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("line_count", sa.Integer, nullable=False),
        sa.Column("invoice_count", sa.Integer, nullable=False),
        sa.Column("net", sa.String(40), nullable=False),
        sa.Column("vat", sa.String(40), nullable=False),
        sa.Column("gross", sa.String(40), nullable=False),
        sa.Column("archive", sa.Text, nullable=False),
        sa.Column("basis", sa.Text, nullable=False),
    )
    op.create_table(
        "export_line",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("export_batch.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("settlement_key", sa.Text, nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False),
        sa.Column("property_object", sa.Text, nullable=False),
        sa.Column("settlement_group", sa.Text, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("interval_months", sa.Integer, nullable=False),
        sa.Column("customer_id", sa.String(40), nullable=False),
        sa.Column("contract_no", sa.Text, nullable=False),
        sa.Column("workbook", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("net", sa.String(40), nullable=False),
        sa.Column("vat", sa.String(40), nullable=False),
        sa.Column("gross", sa.String(40), nullable=False),
        sa.CheckConstraint("kind IN ('export', 'reversal')", name="ck_export_line_kind"),
    )
    # An object is exported at most once per generation, and reversed at most once per
    # generation: the partial unique indexes make the database itself refuse a second export,
    # whoever asks (a copied workbook, a colleague, a second process at the same moment).
    op.create_index(
        "uq_export_line_open", "export_line",
        ["settlement_key", "object_id", "generation"], unique=True,
        sqlite_where=sa.text("kind = 'export'"), postgresql_where=sa.text("kind = 'export'"),
    )
    op.create_index(
        "uq_export_line_reversal", "export_line",
        ["settlement_key", "object_id", "generation"], unique=True,
        sqlite_where=sa.text("kind = 'reversal'"),
        postgresql_where=sa.text("kind = 'reversal'"),
    )
    op.create_index("ix_export_line_batch", "export_line", ["batch_id"])


def downgrade() -> None:
    op.drop_table("export_line")
    op.drop_table("export_batch")
