using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Symbolon.Server.Storage.Migrations
{
    /// <inheritdoc />
    public partial class UnitUseMinutes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "UnitUseMinutes",
                columns: table => new
                {
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Minute = table.Column<long>(type: "INTEGER", nullable: false),
                    Units = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UnitUseMinutes", x => new { x.UserId, x.Minute });
                });

            // Each unit's last use counts in the minute it fell in; RecentUnitUses already holds them.
            migrationBuilder.Sql("""
                INSERT INTO "UnitUseMinutes" ("UserId", "Minute", "Units")
                SELECT "UserId", "LastUsedAt" / 600000000, COUNT(*) FROM "RecentUnitUses"
                GROUP BY "UserId", "LastUsedAt" / 600000000;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "UnitUseMinutes");
        }
    }
}
