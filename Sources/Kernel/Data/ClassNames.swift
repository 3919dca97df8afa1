/// Class names of the built-in datasets (docs/annotation.md): torchvision's `.classes` for CIFAR-10,
/// CIFAR-100, Fashion-MNIST, MNIST, KMNIST and EuroSAT; the hand-written descriptions of the
/// authors' code for SVHN, FER2013 and GTSRB.
public enum ClassNames {
    public static let cifar10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    public static let cifar100 = [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ]

    public static let cifar100Coarse = [
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
        "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
        "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
        "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
        "vehicles_1", "vehicles_2",
    ]

    public static let fmnist = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    public static let mnist = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    public static let kmnist = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]

    public static let svhn = (0..<10).map { "number \($0)" }

    public static let eurosat = ["AnnualCrop", "Forest", "HerbaceousVegetation", "Highway", "Industrial",
                                 "Pasture", "PermanentCrop", "Residential", "River", "SeaLake"]

    public static let fer2013 = ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"].map { "\($0) Facial Expression" }

    public static let gtsrb = [
        "Speed limit 20", "Speed limit 30", "Speed limit 50", "Speed limit 60", "Speed limit 70", "Speed limit 80",
        "Speed limit 80 cancelled", "Speed limit 100", "Speed limit 120", "No passing", "No truck overtaking",
        "Only have priority at the next intersection", "Priority road", "Give way", "Stop", "All vehicles prohibited",
        "Trucks prohibited", "No entry", "Caution!", "Curve (to the left)", "Curve (to the right)", "Continuous curves",
        "Rough road", "Slippery road", "The road narrows on the right", "Construction site", "Signal light",
        "Pay attention to pedestrians", "Pay attention to children", "Watch out for bikes",
        "Watch out for snow/ice on the road", "Deer ahead", "Unlimited speed", "Turn right", "Turn left", "Go straight",
        "Go straight and turn right", "Go straight and turn left", "Drive on the right", "Drive on the left",
        "Driving around the island", "Lift ban on no passing", "Lift ban on truck overtaking",
    ].map { "German Traffic Sign: \($0)" }
}
