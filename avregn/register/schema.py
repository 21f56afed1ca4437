"""The ledger's tables as SQLAlchemy Core objects, for queries. The migrations
(``migrations/versions``) create them; a test checks that both agree."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

export_batch = sa.Table(
    "export_batch", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("format", sa.String(20), nullable=False),
    sa.Column("files", sa.Text, nullable=False),  # JSON list of the workbooks' paths
    sa.Column("line_count", sa.Integer, nullable=False),
    sa.Column("invoice_count", sa.Integer, nullable=False),
    sa.Column("net", sa.String(40), nullable=False),  # money as exact decimal text
    sa.Column("vat", sa.String(40), nullable=False),
    sa.Column("gross", sa.String(40), nullable=False),
    sa.Column("archive", sa.Text, nullable=False),  # the batch's archive folder
    sa.Column("basis", sa.Text, nullable=False),  # the basis as JSON (invoices and lines)
)

export_line = sa.Table(
    "export_line", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("export_batch.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # 'export' or 'reversal'
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
    sa.Index("uq_export_line_open", "settlement_key", "object_id", "generation", unique=True,
             sqlite_where=sa.text("kind = 'export'"),
             postgresql_where=sa.text("kind = 'export'")),
    sa.Index("uq_export_line_reversal", "settlement_key", "object_id", "generation",
             unique=True, sqlite_where=sa.text("kind = 'reversal'"),
             postgresql_where=sa.text("kind = 'reversal'")),
    sa.Index("ix_export_line_batch", "batch_id"),
)

HEAD = "0001"  # the newest migration; opening runs Alembic only when the database is behind
