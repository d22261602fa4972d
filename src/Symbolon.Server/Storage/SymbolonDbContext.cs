using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Symbolon.Server.Storage;

/// <summary>
/// All server state. Nothing lives in process memory, so any number of nodes can share one database. This type is
/// the SQLite context (migrations in Storage/Migrations); <see cref="PostgresDbContext"/> is the same model with its
/// own migrations.
/// </summary>
public class SymbolonDbContext : DbContext
{
    public SymbolonDbContext(DbContextOptions<SymbolonDbContext> options)
        : base(options)
    {
    }

    protected SymbolonDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<User> Users => Set<User>();

    public DbSet<Device> Devices => Set<Device>();

    public DbSet<Session> Sessions => Set<Session>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<Unit> Units => Set<Unit>();

    public DbSet<UnitVersion> UnitVersions => Set<UnitVersion>();

    public DbSet<OprfKey> OprfKeys => Set<OprfKey>();

    public DbSet<AuditRecord> AuditRecords => Set<AuditRecord>();

    public DbSet<AuditHead> AuditHeads => Set<AuditHead>();

    public DbSet<AuditPending> AuditPending => Set<AuditPending>();

    public DbSet<AuditLeaf> AuditLeaves => Set<AuditLeaf>();

    public DbSet<AuditNode> AuditNodes => Set<AuditNode>();

    public DbSet<AuditCheckpointRow> AuditCheckpoints => Set<AuditCheckpointRow>();

    public DbSet<RateBucket> RateBuckets => Set<RateBucket>();


    public DbSet<SeenProof> SeenProofs => Set<SeenProof>();

    public DbSet<RecentUnitUse> RecentUnitUses => Set<RecentUnitUse>();

    public DbSet<UnitUseMinute> UnitUseMinutes => Set<UnitUseMinute>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(SymbolonDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Stored as UTC ticks: sortable and comparable in SQL on every provider (SQLite has no native offset type).
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToTicksConverter>();
    }
}

/// <summary>The model on PostgreSQL. A type of its own only so that EF Core keeps its migrations apart (Storage/PostgresMigrations).</summary>
public sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : SymbolonDbContext(options);

internal sealed class DateTimeOffsetToTicksConverter()
    : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long>(
        value => value.UtcTicks,
        ticks => new DateTimeOffset(ticks, TimeSpan.Zero));

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.HasIndex(user => user.Username).IsUnique();
        builder.HasIndex(user => user.ExternalSubject).IsUnique();
        builder.Property(user => user.Username).HasMaxLength(128);
        builder.Property(user => user.ExternalSubject).HasMaxLength(512);
        builder.Property(user => user.PasswordParameters).HasMaxLength(64);
    }
}

internal sealed class DeviceConfiguration : IEntityTypeConfiguration<Device>
{
    public void Configure(EntityTypeBuilder<Device> builder)
    {
        builder.HasIndex(device => new { device.UserId, device.Thumbprint }).IsUnique();
        builder.Property(device => device.Name).HasMaxLength(100);
        builder.Property(device => device.Thumbprint).HasMaxLength(64);
        builder.Property(device => device.PublicJwk).HasMaxLength(512);
        builder.HasOne<User>().WithMany().HasForeignKey(device => device.UserId);
    }
}

internal sealed class SessionConfiguration : IEntityTypeConfiguration<Session>
{
    public void Configure(EntityTypeBuilder<Session> builder)
    {
        builder.HasIndex(session => session.AccessTokenHash).IsUnique();
        builder.HasIndex(session => session.DeviceId);
        builder.HasOne<User>().WithMany().HasForeignKey(session => session.UserId);
        builder.HasOne<Device>().WithMany().HasForeignKey(session => session.DeviceId);
    }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> builder)
    {
        builder.HasKey(token => token.TokenHash);
        builder.HasIndex(token => token.SessionId);
        builder.HasOne<Session>().WithMany().HasForeignKey(token => token.SessionId);
    }
}

internal sealed class UnitConfiguration : IEntityTypeConfiguration<Unit>
{
    public void Configure(EntityTypeBuilder<Unit> builder)
    {
        builder.HasIndex(unit => unit.UserId);

        // The maintenance sweeper's question every pass: which shredded units are due. Only those have a DestroyAt.
        builder.HasIndex(unit => unit.DestroyAt).HasFilter("\"DestroyAt\" IS NOT NULL");
        builder.HasOne<User>().WithMany().HasForeignKey(unit => unit.UserId);
    }
}

internal sealed class UnitVersionConfiguration : IEntityTypeConfiguration<UnitVersion>
{
    public void Configure(EntityTypeBuilder<UnitVersion> builder)
    {
        builder.HasKey(version => new { version.UnitId, version.Version });
        builder.Property(version => version.KekId).HasMaxLength(64);
        builder.HasOne<Unit>().WithMany().HasForeignKey(version => version.UnitId);
    }
}

internal sealed class OprfKeyConfiguration : IEntityTypeConfiguration<OprfKey>
{
    public void Configure(EntityTypeBuilder<OprfKey> builder)
    {
        builder.HasKey(key => new { key.UserId, key.Epoch });
        builder.Property(key => key.KekId).HasMaxLength(64);
        builder.HasOne<User>().WithMany().HasForeignKey(key => key.UserId);
    }
}

internal sealed class AuditRecordConfiguration : IEntityTypeConfiguration<AuditRecord>
{
    public void Configure(EntityTypeBuilder<AuditRecord> builder)
    {
        // Assigned by the database (SQLite AUTOINCREMENT, PostgreSQL identity): never reused, even after a rollback.
        builder.HasKey(record => record.Sequence);
        builder.Property(record => record.Sequence).ValueGeneratedOnAdd();
        builder.Property(record => record.Event).HasMaxLength(64);
        builder.Property(record => record.Detail).HasMaxLength(256);
        builder.HasIndex(record => new { record.ChainId, record.ChainSequence }).IsUnique();
        builder.HasIndex(record => new { record.UserId, record.Event, record.Time });
    }
}

internal sealed class AuditHeadConfiguration : IEntityTypeConfiguration<AuditHead>
{
    public void Configure(EntityTypeBuilder<AuditHead> builder) => builder.HasKey(head => head.ChainId);
}

internal sealed class AuditPendingConfiguration : IEntityTypeConfiguration<AuditPending>
{
    public void Configure(EntityTypeBuilder<AuditPending> builder)
    {
        builder.ToTable("AuditPending");
        builder.HasKey(pending => pending.Sequence);
        builder.Property(pending => pending.Sequence).ValueGeneratedNever();
    }
}

internal sealed class AuditLeafConfiguration : IEntityTypeConfiguration<AuditLeaf>
{
    public void Configure(EntityTypeBuilder<AuditLeaf> builder)
    {
        builder.HasKey(leaf => leaf.LeafIndex);
        builder.Property(leaf => leaf.LeafIndex).ValueGeneratedNever();

        // A record is logged once; its receipt's sequence finds its leaf.
        builder.HasIndex(leaf => leaf.Sequence).IsUnique();
    }
}

internal sealed class AuditNodeConfiguration : IEntityTypeConfiguration<AuditNode>
{
    public void Configure(EntityTypeBuilder<AuditNode> builder)
    {
        builder.HasKey(node => node.FlatIndex);
        builder.Property(node => node.FlatIndex).ValueGeneratedNever();
    }
}

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpointRow>
{
    public void Configure(EntityTypeBuilder<AuditCheckpointRow> builder)
    {
        builder.ToTable("AuditCheckpoints");
        builder.HasKey(checkpoint => checkpoint.TreeSize);
        builder.Property(checkpoint => checkpoint.TreeSize).ValueGeneratedNever();
    }
}

internal sealed class RateBucketConfiguration : IEntityTypeConfiguration<RateBucket>
{
    public void Configure(EntityTypeBuilder<RateBucket> builder)
    {
        builder.HasKey(bucket => bucket.Key);
        builder.Property(bucket => bucket.Key).HasMaxLength(64);
    }
}

internal sealed class SeenProofConfiguration : IEntityTypeConfiguration<SeenProof>
{
    public void Configure(EntityTypeBuilder<SeenProof> builder)
    {
        builder.HasKey(proof => proof.Key);
        builder.Property(proof => proof.Key).HasMaxLength(160);
        builder.HasIndex(proof => proof.ExpiresAt);
    }
}

internal sealed class UnitUseMinuteConfiguration : IEntityTypeConfiguration<UnitUseMinute>
{
    public void Configure(EntityTypeBuilder<UnitUseMinute> builder)
    {
        builder.ToTable("UnitUseMinutes");
        builder.HasKey(minute => new { minute.UserId, minute.Minute });
    }
}

internal sealed class RecentUnitUseConfiguration : IEntityTypeConfiguration<RecentUnitUse>
{
    public void Configure(EntityTypeBuilder<RecentUnitUse> builder)
    {
        builder.ToTable("RecentUnitUses");
        builder.HasKey(use => new { use.UserId, use.UnitId });
        builder.HasIndex(use => new { use.UserId, use.LastUsedAt });
    }
}
