using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Symbolon.Server.Storage.PostgresMigrations
{
    /// <inheritdoc />
    public partial class ShredSweepIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Units_DestroyAt",
                table: "Units",
                column: "DestroyAt",
                filter: "\"DestroyAt\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Units_DestroyAt",
                table: "Units");
        }
    }
}
