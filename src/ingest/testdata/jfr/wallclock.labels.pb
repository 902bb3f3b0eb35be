





endpoint	/checkout/search
regioneu-westus-eastdPOST /checkouteGET /search