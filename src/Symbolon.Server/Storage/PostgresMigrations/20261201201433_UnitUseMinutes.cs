using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Symbolon.Server.Storage.PostgresMigrations
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
                    UserId = table.Column<Guid>(type: "uuid", nullable: false),
                    Minute = table.Column<long>(type: "bigint", nullable: false),
                    Units = table.Column<int>(type: "integer", nullable: false)
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
