namespace ManagedBpf.Kernel.Abi;

/// <summary>
/// Marks a struct that mirrors a kernel uapi layout. Its fields carry the C member names, so a layout test
/// can compile <c>offsetof(CType, Prefix + field)</c> against the installed headers and compare.
/// </summary>
[AttributeUsage(AttributeTargets.Struct)]
internal sealed class UapiLayoutAttribute(string header, string cType, string memberPrefix = "") : Attribute
{
    /// <summary>The header that declares the type, e.g. <c>linux/bpf.h</c>.</summary>
    public string Header { get; } = header;

    /// <summary>The C type, e.g. <c>union bpf_attr</c>.</summary>
    public string CType { get; } = cType;

    /// <summary>The member path prefix for structs nested in a union, e.g. <c>batch.</c>.</summary>
    public string MemberPrefix { get; } = memberPrefix;
}

/// <summary>A field that has no addressable C counterpart (a bitfield word, padding): the layout test skips it.</summary>
[AttributeUsage(AttributeTargets.Field)]
internal sealed class UapiSkipAttribute : Attribute;
