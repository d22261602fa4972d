using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Symbolon.Server.Storage.Migrations
{
    /// <inheritdoc />
    public partial class AuditLogTree : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AuditCheckpoints",
                columns: table => new
                {
                    TreeSize = table.Column<long>(type: "INTEGER", nullable: false),
                    RootHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Time = table.Column<long>(type: "INTEGER", nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditCheckpoints", x => x.TreeSize);
                });

            migrationBuilder.CreateTable(
                name: "AuditLeaves",
                columns: table => new
                {
                    LeafIndex = table.Column<long>(type: "INTEGER", nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    Hash = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditLeaves", x => x.LeafIndex);
                });

            migrationBuilder.CreateTable(
                name: "AuditNodes",
                columns: table => new
                {
                    FlatIndex = table.Column<long>(type: "INTEGER", nullable: false),
                    Hash = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditNodes", x => x.FlatIndex);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditLeaves_Sequence",
                table: "AuditLeaves",
                column: "Sequence",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AuditCheckpoints");

            migrationBuilder.DropTable(
                name: "AuditLeaves");

            migrationBuilder.DropTable(
                name: "AuditNodes");
        }
    }
}
