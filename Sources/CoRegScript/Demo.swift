import ArgumentParser
import Foundation
import Kernel

/// A small, self-contained demo of learning from partial labels with Kernel's autodiff: a
/// two-layer network trained with the partial cross-entropy on synthetic candidate sets.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small network from synthetic candidate label sets (a tour of the tensor core).")

    @Option(help: "Training steps.") var steps = 300
    @Option(help: "Master seed.") var seed: UInt64 = 0
    @Option(help: "Probability that each wrong class joins a candidate set.") var q = 0.3

    func run() throws {
        let rng = RNG(seed: seed)
        let (n, d, c, h) = (2000, 8, 4, 32)
        // Class means, samples, true labels.
        let means = try Tensor.randn([c, d], std: 0.7, rng: rng.substream("means"))
        let labels = try Tensor.randint(0, c, [n], rng: rng.substream("labels"))
        let x = try means.indexSelect(axis: 0, index: labels) + Tensor.randn([n, d], rng: rng.substream("noise"))
        // Candidate sets: the true class plus each other class with probability q.
        let flips = try Tensor.rand([n, c], rng: rng.substream("flips")).lt(Tensor(q))
        let sets = try flips.logicalOr(labels.oneHot(classes: c).to(.bool))
        let avgSet = try sets.float().sum(axes: [1]).mean().item()
        print(String(format: "data: %d samples, %d classes, average candidate set size %.2f", n, c, avgSet))

        let init1 = rng.substream("init")
        let w1 = try (Tensor.randn([d, h], rng: init1) * (1 / Double(d).squareRoot())).requiresGrad()
        let b1 = try Tensor.zeros([h]).requiresGrad()
        let w2 = try (Tensor.randn([h, c], rng: init1) * (1 / Double(h).squareRoot())).requiresGrad()
        let b2 = try Tensor.zeros([c]).requiresGrad()
        let params = [w1, b1, w2, b2]
        let lr = 0.1
        for step in 1...steps {
            let logits = try (x.matmul(w1) + b1).relu().matmul(w2) + b2
            let logp = try logits.logSoftmax(axis: 1)
            // partial CE: −log Σ_{j∈S} p_j
            let loss = try Tensor.where(sets, logp, Tensor(-Double.infinity)).logsumexp(axes: [1]).mean().neg()
            for p in params { p.zeroGrad() }
            try loss.backward()
            for p in params {
                let upd = try p.detach() - p.grad! * lr
                try Tensor.noGrad { try p.assign(upd) }
            }
            if step % Swift.max(steps / 5, 1) == 0 || step == steps {
                let acc = try logits.argmax(axis: 1).eq(labels).float().mean().item()
                print(String(format: "step %4d  partial-CE loss %.4f  accuracy on true labels %.3f", step, try loss.item(), acc))
            }
        }
    }
}
