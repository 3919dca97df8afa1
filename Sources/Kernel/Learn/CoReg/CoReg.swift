/// Co-Reg (Wang et al., AAAI 2025; arXiv 2506.03229): two networks that purify each other's noisy
/// partial labels. One file per section of the paper, each equation one named function at batch
/// level; `scripts/coreg.coreg` composes them into the method. docs/method.md maps every
/// equation to its function and script line.
///
///   Warmup.swift          §2.1  eq. 1–3   partial CE, negative entropy
///   Division.swift        §2.2  eq. 4     distribution alignment, L_div, the history window, GMM, the split
///   CoPseudoLabels.swift  §2.3  eq. 5–7   restriction, fusion on 𝒫 and 𝒰, sharpening
///   SelfTraining.swift    §2.4  eq. 8     the ramp, soft CE on 𝒫 + MSE on 𝒰 over mixed strong views
///   Prototypes.swift      §2.5  eq. 9–10  prototype similarity alignment, momentum update
///   Contrast.swift        §2.6  eq. 11    the masks, noisy supervised contrast, the MoCo queue
///   FewShot.swift         journal         k truly labelled samples per class
public enum CoReg {}
