#include "vecmath_amd64.h"

// The residual-add rows of AddScaledLayerNorm: s = x + g⊙a (one FMA per
// element) or s = x + a, returning Σ s for the row mean. Two vector
// accumulators; the tail is one masked vector whose dead lanes load as 0
// and so add 0.

// func addScaledSumAVX2(s, x, a, g []float32) float32
TEXT ·addScaledSumAVX2(SB), NOSPLIT, $0-100
	MOVQ   s_base+0(FP), DI
	MOVQ   s_len+8(FP), CX
	MOVQ   x_base+24(FP), SI
	MOVQ   a_base+48(FP), R8
	MOVQ   g_base+72(FP), R9
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

as16:
	CMPQ        CX, $16
	JLT         as8
	VMOVUPS     (R8), Y2
	VMOVUPS     32(R8), Y3
	VMOVUPS     (R9), Y4
	VMOVUPS     32(R9), Y5
	VFMADD213PS (SI), Y4, Y2    // g·a + x
	VFMADD213PS 32(SI), Y5, Y3
	VMOVUPS     Y2, (DI)
	VMOVUPS     Y3, 32(DI)
	VADDPS      Y2, Y0, Y0
	VADDPS      Y3, Y1, Y1
	ADDQ        $64, DI
	ADDQ        $64, SI
	ADDQ        $64, R8
	ADDQ        $64, R9
	SUBQ        $16, CX
	JMP         as16

as8:
	CMPQ        CX, $8
	JLT         astail
	VMOVUPS     (R8), Y2
	VMOVUPS     (R9), Y4
	VFMADD213PS (SI), Y4, Y2
	VMOVUPS     Y2, (DI)
	VADDPS      Y2, Y0, Y0
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, R9
	SUBQ        $8, CX

astail:
	TESTQ       CX, CX
	JEQ         asdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS  (SI), Y6, Y7
	VMASKMOVPS  (R8), Y6, Y2
	VMASKMOVPS  (R9), Y6, Y4
	VFMADD213PS Y7, Y4, Y2
	VMASKMOVPS  Y2, Y6, (DI)
	VADDPS      Y2, Y1, Y1

asdone:
	VADDPS Y1, Y0, Y0
	HSUM(Y0, X0, X1)
	MOVSS  X0, ret+96(FP)
	VZEROUPPER
	RET

// func addSumAVX2(s, x, a []float32) float32
TEXT ·addSumAVX2(SB), NOSPLIT, $0-76
	MOVQ   s_base+0(FP), DI
	MOVQ   s_len+8(FP), CX
	MOVQ   x_base+24(FP), SI
	MOVQ   a_base+48(FP), R8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

ad16:
	CMPQ    CX, $16
	JLT     ad8
	VMOVUPS (R8), Y2
	VMOVUPS 32(R8), Y3
	VADDPS  (SI), Y2, Y2
	VADDPS  32(SI), Y3, Y3
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	ADDQ    $64, DI
	ADDQ    $64, SI
	ADDQ    $64, R8
	SUBQ    $16, CX
	JMP     ad16

ad8:
	CMPQ    CX, $8
	JLT     adtail
	VMOVUPS (R8), Y2
	VADDPS  (SI), Y2, Y2
	VMOVUPS Y2, (DI)
	VADDPS  Y2, Y0, Y0
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R8
	SUBQ    $8, CX

adtail:
	TESTQ      CX, CX
	JEQ        addone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS (SI), Y6, Y7
	VMASKMOVPS (R8), Y6, Y2
	VADDPS     Y7, Y2, Y2
	VMASKMOVPS Y2, Y6, (DI)
	VADDPS     Y2, Y1, Y1

addone:
	VADDPS Y1, Y0, Y0
	HSUM(Y0, X0, X1)
	MOVSS  X0, ret+72(FP)
	VZEROUPPER
	RET
