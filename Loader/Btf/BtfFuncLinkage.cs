namespace ManagedBpf.Loader.Btf;

/// <summary>A function's linkage, <c>enum btf_func_linkage</c>, stored in the vlen of a <see cref="BtfKind.FUNC"/>. Members drop the <c>BTF_FUNC_</c> prefix.</summary>
public enum BtfFuncLinkage : ushort
{
    /// <summary><c>BTF_FUNC_STATIC</c>: a static function (verified with its caller).</summary>
    STATIC = 0,

    /// <summary><c>BTF_FUNC_GLOBAL</c>: a global function (verified on its own, kernel 5.6+).</summary>
    GLOBAL = 1,

    /// <summary><c>BTF_FUNC_EXTERN</c>: an extern function (kfuncs, kernel 5.13+).</summary>
    EXTERN = 2,
}
