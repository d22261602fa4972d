// Secret references, symbolon://ITEM/FIELD: the grammar is in docs/spec.md §4.2 ("Secret references"), the shared
// cases in testdata/vectors/secret-references.json (the TypeScript client parses the same ones).
using System.Text.RegularExpressions;
using Symbolon.Client.Items;
using Symbolon.Crypto;

namespace Symbolon.Client;

/// <summary>Why a string is not a secret reference (stable names, also used by the shared test vectors).</summary>
public enum SecretReferenceError
{
    /// <summary>It does not start with <c>symbolon://</c>.</summary>
    Scheme,

    /// <summary>It is not exactly <c>symbolon://ITEM/FIELD</c> (missing or extra parts, a query, a fragment).</summary>
    Shape,

    /// <summary>The item part is not a valid item name.</summary>
    Item,

    /// <summary>The field part is not a built-in field or a valid extra-field name.</summary>
    Field,
}

/// <summary>
/// A reference to one value of one item: <c>symbolon://ITEM/FIELD</c>, FIELD being username, password, url, notes,
/// totp (the current code, never the secret) or an extra field's name. Parsing is strict: exactly one form per reference.
/// </summary>
public sealed partial record SecretReference
{
    /// <summary>The scheme and separator every reference starts with.</summary>
    public const string Prefix = "symbolon://";

    /// <summary>The built-in fields (totp is the well-known extra field <see cref="TotpSecret.FieldName"/>, read as a code).</summary>
    public static readonly IReadOnlyList<string> BuiltInFields = ["username", "password", "url", "notes", TotpSecret.FieldName];

    /// <summary>Creates a reference from its parts, validated as <see cref="Parse"/> does.</summary>
    public SecretReference(string item, string field)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(field);
        if (!ItemStore.IsValidName(item))
        {
            throw new ArgumentException($"'{item}' is not a valid item name: use 1-64 of a-z 0-9 . _ -, starting with a letter or digit.", nameof(item));
        }

        if (!FieldPattern().IsMatch(field))
        {
            throw new ArgumentException($"'{field}' is not a field: use username, password, url, notes, totp or an extra field's name (1-64 of A-Z a-z 0-9 _ -).", nameof(field));
        }

        Item = item;
        Field = field;
    }

    /// <summary>The item's name.</summary>
    public string Item { get; }

    /// <summary>The field's name.</summary>
    public string Field { get; }

    /// <summary>Whether <paramref name="text"/> is meant as a reference (starts with the scheme), valid or not.</summary>
    public static bool LooksLikeReference(string? text) => text is not null && text.StartsWith("symbolon:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses <c>symbolon://ITEM/FIELD</c>.</summary>
    /// <exception cref="FormatException">Not a valid reference; the message says which part is wrong.</exception>
    public static SecretReference Parse(string text) =>
        TryParse(text, out var reference, out var error) ? reference! : throw new FormatException(Describe(text, error!.Value));

    /// <summary>As <see cref="Parse"/>, returning false and the reason instead of throwing.</summary>
    public static bool TryParse(string? text, out SecretReference? reference, out SecretReferenceError? error)
    {
        reference = null;
        error = null;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = SecretReferenceError.Scheme;
            return false;
        }

        var parts = text[Prefix.Length..].Split('/');
        if (parts.Length != 2 || text.AsSpan().ContainsAny('?', '#'))
        {
            error = SecretReferenceError.Shape;
            return false;
        }

        if (!ItemStore.IsValidName(parts[0]))
        {
            error = SecretReferenceError.Item;
            return false;
        }

        if (!FieldPattern().IsMatch(parts[1]))
        {
            error = SecretReferenceError.Field;
            return false;
        }

        reference = new SecretReference(parts[0], parts[1]);
        return true;
    }

    /// <summary>A message for a string that failed to parse, echoing the non-secret reference itself.</summary>
    public static string Describe(string? text, SecretReferenceError error) => error switch
    {
        SecretReferenceError.Scheme => $"'{text}' is not a secret reference: it must start with {Prefix}",
        SecretReferenceError.Shape => $"'{text}' is not a secret reference: use {Prefix}ITEM/FIELD, e.g. {Prefix}acme/password",
        SecretReferenceError.Item => $"'{text}' does not name a valid item: use 1-64 of a-z 0-9 . _ -, starting with a letter or digit",
        _ => $"'{text}' does not name a valid field: use username, password, url, notes, totp or an extra field's name (1-64 of A-Z a-z 0-9 _ -)",
    };

    /// <summary>The value this reference names in an opened credential; totp gives the code current at <paramref name="now"/>.</summary>
    /// <exception cref="SecretReferenceException">The item has no such field.</exception>
    public string ValueIn(Credential credential, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return Field switch
        {
            "username" => credential.Username,
            "password" => credential.RevealPassword(),
            "url" => credential.Url ?? throw Missing("has no url"),
            "notes" => credential.RevealNotes() ?? throw Missing("has no notes"),
            TotpSecret.FieldName => TotpCode(credential, now),
            _ => credential.FieldNames.Contains(Field) ? credential.RevealField(Field) : throw Missing($"has no field '{Field}'"),
        };
    }

    /// <inheritdoc />
    public override string ToString() => $"{Prefix}{Item}/{Field}";

    private string TotpCode(Credential credential, DateTimeOffset now)
    {
        using var secret = SecretReferences.TotpOf(credential, Item);
        return secret.Code(now);
    }

    private SecretReferenceException Missing(string what) => new(this, $"item '{Item}' {what}", "Fields: username, password, url, notes, totp, or an extra field's name (`symbolon show NAME` lists them).");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex FieldPattern();
}

/// <summary>A reference that names an item this vault does not hold, or a field the item does not have.</summary>
public sealed class SecretReferenceException(SecretReference reference, string message, string? hint = null) : SymbolonException(message, hint)
{
    /// <summary>The reference at fault.</summary>
    public SecretReference Reference { get; } = reference;
}

/// <summary>Resolving references against a vault.</summary>
public static class SecretReferences
{
    /// <summary>
    /// The value of each reference, in order. Every item is checked locally first (an unknown item throws before any
    /// release); then all the items are opened together (<see cref="VaultClient.UseManyAsync{T}"/>: each open is a
    /// release, audited and rate-limited) and every value is read before any is returned, so an unknown field fails
    /// the whole call. totp gives the code current at <paramref name="time"/>'s now.
    /// </summary>
    /// <exception cref="SecretReferenceException">An item or field does not exist.</exception>
    public static async Task<IReadOnlyList<string>> ReadAsync(
        this VaultClient vault, IReadOnlyList<SecretReference> references, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(references);
        // An item no intact file holds is unknown; a damaged file, which may be that item, is named in the hint.
        var (items, damaged) = vault.Inventory();
        var stored = items.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in references)
        {
            if (!stored.Contains(reference.Item))
            {
                throw new SecretReferenceException(reference, $"No item named '{reference.Item}'.", damaged.Count == 0
                    ? "Run `symbolon list` to see the stored items."
                    : $"It may be in a damaged or altered item file ({string.Join(", ", damaged.Select(Path.GetFileName))}): restore it from a backup, or add the item again.");
            }
        }

        var names = references.Select(r => r.Item).Distinct(StringComparer.Ordinal).ToList();
        return await vault.UseManyAsync(names, credentials =>
        {
            var now = (time ?? TimeProvider.System).GetUtcNow();
            return (IReadOnlyList<string>)[.. references.Select(r => r.ValueIn(credentials[r.Item], now))];
        }, cancellationToken);
    }

    /// <summary>The item's TOTP secret (its <see cref="TotpSecret.FieldName"/> field), for the caller to dispose.</summary>
    /// <exception cref="SecretReferenceException">The item has no TOTP secret, or it is not a valid one.</exception>
    public static TotpSecret TotpOf(Credential credential, string item)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var reference = new SecretReference(item, TotpSecret.FieldName);
        if (!credential.FieldNames.Contains(TotpSecret.FieldName))
        {
            throw new SecretReferenceException(reference, $"item '{item}' has no TOTP secret", "Add the item with `symbolon add NAME --totp` to store one.");
        }

        return TotpSecret.TryParse(credential.RevealField(TotpSecret.FieldName), out var secret, out var error)
            ? secret!
            : throw new SecretReferenceException(reference, $"item '{item}' holds a TOTP secret that is not valid: {error}");
    }
}
