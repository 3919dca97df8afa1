import Foundation

/// Prompt templates for CLIP-style annotation (docs/annotation.md). Each template holds one "{}" where the
/// class name goes.
public enum PromptTemplates {
    /// The authors' default (`--template small`): the 27 "imagenet_templates_small". Template 0,
    /// "a photo of a {}", is the one "CLIP Acc" uses.
    public static let small: [String] = [
        "a photo of a {}", "a rendering of a {}", "a cropped photo of the {}",
        "the photo of a {}", "a photo of a clean {}", "a photo of a dirty {}", "a dark photo of the {}",
        "a photo of my {}", "a photo of the cool {}", "a close-up photo of a {}", "a bright photo of the {}",
        "a cropped photo of a {}", "a photo of the {}", "a good photo of the {}", "a photo of one {}",
        "a close-up photo of the {}", "a rendition of the {}", "a photo of the clean {}", "a rendition of a {}",
        "a photo of a nice {}", "a good photo of a {}", "a photo of the nice {}", "a photo of the small {}",
        "a photo of the weird {}", "a photo of the large {}", "a photo of a cool {}", "a photo of a small {}",
    ]

    /// The 80 CLIP ImageNet prompt templates of OpenAI's prompt-engineering notebook (each ends in ".").
    public static let imagenet80: [String] = [
        "a bad photo of a {}.", "a photo of many {}.", "a sculpture of a {}.", "a photo of the hard to see {}.",
        "a low resolution photo of the {}.", "a rendering of a {}.", "graffiti of a {}.", "a bad photo of the {}.",
        "a cropped photo of the {}.", "a tattoo of a {}.", "the embroidered {}.", "a photo of a hard to see {}.",
        "a bright photo of a {}.", "a photo of a clean {}.", "a photo of a dirty {}.", "a dark photo of the {}.",
        "a drawing of a {}.", "a photo of my {}.", "the plastic {}.", "a photo of the cool {}.",
        "a close-up photo of a {}.", "a black and white photo of the {}.", "a painting of the {}.", "a painting of a {}.",
        "a pixelated photo of the {}.", "a sculpture of the {}.", "a bright photo of the {}.", "a cropped photo of a {}.",
        "a plastic {}.", "a photo of the dirty {}.", "a jpeg corrupted photo of a {}.", "a blurry photo of the {}.",
        "a photo of the {}.", "a good photo of the {}.", "a rendering of the {}.", "a {} in a video game.",
        "a photo of one {}.", "a doodle of a {}.", "a close-up photo of the {}.", "a photo of a {}.",
        "the origami {}.", "the {} in a video game.", "a sketch of a {}.", "a doodle of the {}.",
        "a origami {}.", "a low resolution photo of a {}.", "the toy {}.", "a rendition of the {}.",
        "a photo of the clean {}.", "a photo of a large {}.", "a rendition of a {}.", "a photo of a nice {}.",
        "a photo of a weird {}.", "a blurry photo of a {}.", "a cartoon {}.", "art of a {}.",
        "a sketch of the {}.", "a embroidered {}.", "a pixelated photo of a {}.", "itap of the {}.",
        "a jpeg corrupted photo of the {}.", "a good photo of a {}.", "a plushie {}.", "a photo of the nice {}.",
        "a photo of the small {}.", "a photo of the weird {}.", "the cartoon {}.", "art of the {}.",
        "a drawing of the {}.", "a photo of the large {}.", "a black and white photo of a {}.", "the plushie {}.",
        "a dark photo of a {}.", "itap of a {}.", "graffiti of the {}.", "a toy {}.",
        "itap of my {}.", "a photo of a cool {}.", "a photo of a small {}.", "a tattoo of the {}.",
    ]

    /// `small` (27, the default) or anything else → `imagenet80`, as the authors' `--template` flag.
    public static func named(_ name: String) -> [String] {
        name.lowercased() == "small" || name.isEmpty ? small : imagenet80
    }

    /// `template` with "{}" replaced by `className`.
    public static func fill(_ template: String, _ className: String) -> String {
        guard let r = template.range(of: "{}") else { return template + " " + className }
        return template.replacingCharacters(in: r, with: className)
    }

    /// All prompts [T][C].
    public static func prompts(templates: [String], classes: [String]) -> [[String]] {
        templates.map { t in classes.map { fill(t, $0) } }
    }
}

extension ClassNames {
    /// The seven datasets of the paper, as `forDataset` names them.
    public static let paperDatasets = ["cifar10", "cifar100", "svhn", "fmnist", "eurosat", "fer2013", "gtsrb"]

    /// Class names for prompting, by dataset name or alias (`DatasetRegistry`); nil for an
    /// unknown name or user data.
    public static func forDataset(_ name: String) -> [String]? { DatasetRegistry.classNames(name) }
}
