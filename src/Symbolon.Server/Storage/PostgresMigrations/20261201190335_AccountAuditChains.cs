using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Symbolon.Server.Storage.PostgresMigrations
{
    /// <inheritdoc />
    public partial class AccountAuditChains : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_AuditHeads",
                table: "AuditHeads");

            migrationBuilder.DropColumn(
                name: "Id",
                table: "AuditHeads");

            migrationBuilder.RenameColumn(
                name: "Sequence",
                table: "AuditHeads",
                newName: "ChainSequence");

            migrationBuilder.AlterColumn<long>(
                name: "Sequence",
                table: "AuditRecords",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint")
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            // The identity continues after the last sequence the application assigned.
            migrationBuilder.Sql("""SELECT setval(pg_get_serial_sequence('"AuditRecords"', 'Sequence'), COALESCE((SELECT MAX("Sequence") FROM "AuditRecords"), 0) + 1, false);""");

            migrationBuilder.AddColumn<Guid>(
                name: "ChainId",
                table: "AuditRecords",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<long>(
                name: "ChainSequence",
                table: "AuditRecords",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // Every record so far was written in the v1 format, on the one deployment-wide chain: it stays where it is, as
            // the start of the deployment chain (chain id zero), numbered by its global sequence (docs/spec.md §7).
            migrationBuilder.AddColumn<int>(
                name: "Format",
                table: "AuditRecords",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.Sql("""UPDATE "AuditRecords" SET "ChainSequence" = "Sequence";""");

            migrationBuilder.AddColumn<Guid>(
                name: "ChainId",
                table: "AuditHeads",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddPrimaryKey(
                name: "PK_AuditHeads",
                table: "AuditHeads",
                column: "ChainId");

            // The old head row is now the deployment chain's head; no row at all is the genesis.
            migrationBuilder.Sql("""DELETE FROM "AuditHeads" WHERE "ChainSequence" = 0;""");

            migrationBuilder.CreateTable(
                name: "AuditPending",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditPending", x => x.Sequence);
                });

            // Records committed but not yet checkpointed: the checkpointer now takes them from the pending set.
            migrationBuilder.Sql("""INSERT INTO "AuditPending" ("Sequence") SELECT "Sequence" FROM "AuditRecords" WHERE "Sequence" NOT IN (SELECT "Sequence" FROM "AuditLeaves");""");

            migrationBuilder.CreateTable(
                name: "RecentUnitUses",
                columns: table => new
                {
                    UserId = table.Column<Guid>(type: "uuid", nullable: false),
                    UnitId = table.Column<Guid>(type: "uuid", nullable: false),
                    LastUsedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecentUnitUses", x => new { x.UserId, x.UnitId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditRecords_ChainId_ChainSequence",
                table: "AuditRecords",
                columns: new[] { "ChainId", "ChainSequence" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RecentUnitUses_UserId_LastUsedAt",
                table: "RecentUnitUses",
                columns: new[] { "UserId", "LastUsedAt" });

            // The distinct-unit quota was counted from the audit log: each unit's last use carries over, so the hour
            // before the upgrade still counts (older rows never count and the sweeper deletes them).
            migrationBuilder.Sql("""
                INSERT INTO "RecentUnitUses" ("UserId", "UnitId", "LastUsedAt")
                SELECT "UserId", "UnitId", MAX("Time") FROM "AuditRecords"
                WHERE "Event" IN ('unit.released', 'unit.evaluated') AND "UserId" IS NOT NULL AND "UnitId" IS NOT NULL
                GROUP BY "UserId", "UnitId";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            throw new NotSupportedException("Per-account audit chains cannot be folded back into one chain: restore a backup taken before the upgrade.");
    }
}
