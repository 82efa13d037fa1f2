namespace ManagedBpf.Loader;

/// <summary>
/// The C name behind a generated C# type, field, property or enumerator (<c>mbpf gen types</c>): C names are
/// made valid, PascalCase C# names, and this attribute keeps the original, such as <c>struct run_event</c> or <c>pid</c>.
/// </summary>
/// <param name="name">The C name: <c>struct X</c>, <c>union X</c>, <c>enum X</c>, a typedef's name, or a member's or enumerator's name.</param>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class BtfNameAttribute(string name) : Attribute
{
    /// <summary>The C name.</summary>
    public string Name { get; } = name;
}
