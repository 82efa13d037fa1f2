namespace ManagedBpf.Loader.Btf;

/// <summary>A variable's linkage, <c>btf_var.linkage</c>. Members drop the <c>BTF_VAR_</c> prefix.</summary>
public enum BtfVarLinkage : uint
{
    /// <summary><c>BTF_VAR_STATIC</c>.</summary>
    STATIC = 0,

    /// <summary><c>BTF_VAR_GLOBAL_ALLOCATED</c>.</summary>
    GLOBAL_ALLOCATED = 1,

    /// <summary><c>BTF_VAR_GLOBAL_EXTERN</c>: an extern (kconfig, ksym).</summary>
    GLOBAL_EXTERN = 2,
}
